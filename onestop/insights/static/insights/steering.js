/* Charts of the steering dashboard (insights:steering).
 *
 * The figures come from the JSON block <script type="application/json" id="insights-chart-data">
 * (data, never executed; CSP script-src 'self'). The tables on the page hold the same figures
 * and are the charts' text alternative. Needs ECharts (loaded before this file, both deferred). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  function draw(id, option, charts) {
    var node = document.getElementById(id);
    if (!node) {
      return;
    }
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    option.aria = { enabled: true };
    option.animation = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    chart.setOption(option);
    charts.push(chart);
  }

  ready(function () {
    var block = document.getElementById("insights-chart-data");
    if (!block || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    var labels = data.labels;
    var charts = [];
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
      charts,
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
      charts,
    );

    draw(
      "insights-chart-limits",
      {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        xAxis: {
          type: "category",
          data: data.departments,
          axisLabel: { interval: 0, width: 120, overflow: "break" },
        },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels.kept, type: "bar", stack: "decided", data: data.kept },
          { name: labels.late, type: "bar", stack: "decided", data: data.late },
          { name: labels.overdue, type: "bar", data: data.overdue },
        ],
      },
      charts,
    );

    if (data.hotline_departments.length) {
      draw(
        "insights-chart-hotline",
        {
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          grid: grid,
          xAxis: {
            type: "category",
            data: data.hotline_departments,
            axisLabel: { interval: 0, width: 120, overflow: "break" },
          },
          yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
          series: [
            { name: labels.response, type: "bar", data: data.response },
            { name: labels.resolution, type: "bar", data: data.resolution },
            { name: labels.satisfaction, type: "bar", data: data.satisfaction },
          ],
        },
        charts,
      );
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
