/* Charts of the steering dashboard (insights:steering).
 * The shared set-up (the data block, drawing, resizing) is insights/charts.js. */
(function () {
  "use strict";

  window.onestopCharts(function (data, draw) {
    var labels = data.labels;
    var grid = { left: 8, right: 16, bottom: 8, top: 40, containLabel: true };

    draw(
      "insights-chart-days",
      {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels.received, type: "line", data: data.received },
          { name: labels.decided, type: "line", data: data.decided },
        ],
      },
    );

    draw(
      "insights-chart-channels",
      {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [
          {
            type: "pie",
            radius: ["30%", "55%"],
            data: [
              { name: labels.online, value: data.channels.online || 0 },
              { name: labels.window, value: data.channels.window || 0 },
            ],
            label: { formatter: "{b}: {c}" },
          },
        ],
      },
    );

    draw(
      "insights-chart-limits",
      Object.assign(window.onestopCharts.rows(data.departments, { minInterval: 1 }), {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        series: [
          { name: labels.kept, type: "bar", stack: "decided", data: data.kept },
          { name: labels.late, type: "bar", stack: "decided", data: data.late },
          { name: labels.overdue, type: "bar", data: data.overdue },
        ],
      }),
    );

    if (data.hotline_departments.length) {
      draw(
        "insights-chart-hotline",
        Object.assign(
          window.onestopCharts.rows(data.hotline_departments, {
            min: 0,
            max: 100,
            axisLabel: { formatter: "{value} %" },
          }),
          {
            tooltip: { trigger: "axis" },
            legend: { top: 0 },
            grid: grid,
            series: [
              { name: labels.response, type: "bar", data: data.response },
              { name: labels.resolution, type: "bar", data: data.resolution },
              { name: labels.satisfaction, type: "bar", data: data.satisfaction },
            ],
          },
        ),
      );
    }
  });
})();
