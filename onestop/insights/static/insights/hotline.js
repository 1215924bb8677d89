/* Charts of the hotline dashboard (insights:hotline).
 *
 * The figures come from the JSON block <script type="application/json" id="insights-chart-data">
 * (data, never executed; CSP script-src 'self' allows no inline script). The tables on the page
 * hold the same figures and are the charts' text alternative. Needs ECharts (loaded before this
 * file, both deferred). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : value.toFixed(2) + " %";
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

    if (data.departments.length) {
      draw(
        "insights-chart-rates",
        {
          tooltip: { trigger: "axis", valueFormatter: percent },
          legend: { top: 0 },
          grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
          xAxis: {
            type: "category",
            data: data.departments,
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
        charts,
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
        charts,
      );
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
