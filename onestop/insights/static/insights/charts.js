/* The chart set-up both insights dashboards share (insights/hotline.js, insights/steering.js).
 *
 * The figures come from the JSON block <script type="application/json" id="insights-chart-data">
 * (data, never executed; CSP script-src 'self' allows no inline script). The tables on the page
 * hold the same figures and are the charts' text alternative. Needs ECharts (loaded before this
 * file, all deferred). `onestopCharts(build)` calls build(data, draw) once the page is ready;
 * draw(id, option) draws one chart (announced to screen readers, no motion when the reader asked
 * for less) and every chart follows the window's size; `option.bands` (a number of rows) makes a
 * horizontal bar chart's box tall enough for its rows (see `onestopCharts.rows`). */
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
      if (option.bands) {
        // One row per department (horizontal bars): as tall as the rows need, the names
        // wrapped in up to 40 % of the width, so that twenty departments stay readable.
        node.style.height = Math.max(352, 64 + option.bands * 44) + "px";
        option.yAxis.axisLabel.width = Math.round(Math.min(200, node.clientWidth * 0.4));
        delete option.bands;
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

/* The axes of a horizontal bar chart with one row per name (departments, in the tables' order
 * from the top) against a value axis; `value` is that axis's options. */
window.onestopCharts.rows = function (names, value) {
  "use strict";
  return {
    bands: names.length,
    xAxis: Object.assign({ type: "value" }, value || {}),
    yAxis: {
      type: "category",
      data: names,
      inverse: true,
      axisLabel: { interval: 0, overflow: "break" },
    },
  };
};
