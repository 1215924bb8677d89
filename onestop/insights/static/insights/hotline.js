/* Charts of the hotline dashboard (insights:hotline).
 * The shared set-up (the data block, drawing, resizing) is insights/charts.js. */
(function () {
  "use strict";

  function percent(value) {
    return value === null || value === undefined ? "—" : value.toFixed(2) + " %";
  }

  window.onestopCharts(function (data, draw) {
    var labels = data.labels;

    if (data.departments.length) {
      draw(
        "insights-chart-rates",
        Object.assign(
          window.onestopCharts.rows(data.departments, {
            min: 0,
            max: 100,
            axisLabel: { formatter: "{value} %" },
          }),
          {
            tooltip: { trigger: "axis", valueFormatter: percent },
            legend: { top: 0 },
            grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
            series: [
              { name: labels.response, type: "bar", data: data.response },
              { name: labels.resolution, type: "bar", data: data.resolution },
              { name: labels.satisfaction, type: "bar", data: data.satisfaction },
            ],
          },
        ),
      );
    }

    if (data.category.length) {
      var categories = data.category.slice().reverse();
      draw(
        "insights-chart-category",
        {
          tooltip: { trigger: "axis" },
          grid: { left: 8, right: 24, bottom: 8, top: 8, containLabel: true },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: {
            type: "category",
            data: categories.map(function (c) { return c.name; }),
            axisLabel: { width: 160, overflow: "truncate" },
          },
          series: [
            {
              name: labels.requests,
              type: "bar",
              data: categories.map(function (c) { return c.value; }),
            },
          ],
        },
      );
    }

    if (data.channel.length) {
      draw(
        "insights-chart-channel",
        {
          tooltip: { trigger: "item" },
          legend: { bottom: 0 },
          series: [
            {
              name: labels.requests,
              type: "pie",
              radius: ["30%", "55%"],
              data: data.channel,
              label: { formatter: "{b}: {c}", overflow: "none" },
            },
          ],
        },
      );
    }
  });
})();
