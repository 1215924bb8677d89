/* The chart set-up both insights dashboards share (insights/hotline.js, insights/steering.js).
 *
 * The figures come from the JSON block <script type="application/json" id="insights-chart-data">
 * (data, never executed; CSP script-src 'self' allows no inline script). The tables on the page
 * hold the same figures and are the charts' text alternative. Needs ECharts (loaded before this
 * file, all deferred). `onestopCharts(build)` calls build(data, draw) once the page is ready;
 * draw(id, option) draws one chart (announced to screen readers, no motion when the reader asked
 * for less) and every chart follows the window's size. */
window.onestopCharts = function (build) {
  "use strict";

  function start() {
    var block = document.getElementById("insights-chart-data");
    if (!block || typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    function draw(id, option) {
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
    build(JSON.parse(block.textContent), draw);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState !== "loading") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
};
