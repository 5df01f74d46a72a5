// Charts drawn with the vendored ECharts from data the page carries in a JSON block
// (<script type="application/json">): no inline script, so the CSP stays strict.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") {
    return;
  }
  document.querySelectorAll("[data-hh-chart]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-hh-chart"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    // One bar per region: the chart grows with the number of regions.
    element.style.height = String(Math.max(120, 36 * data.labels.length + 60)) + "px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: [{ name: data.series, type: "bar", barMaxWidth: 28, data: data.values, itemStyle: { color: "#0b5d57" }, label: { show: true, position: "right" } }]
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  });
})();
