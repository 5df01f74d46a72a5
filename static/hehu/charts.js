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
    // `series` is either one name (with `values`) or a list of {name, values}: several
    // series are drawn as grouped bars with a legend (e.g. current policy vs draft).
    var many = Array.isArray(data.series);
    var colours = ["#0b5d57", "#d08a1e", "#5b6f95"];
    var series = (many ? data.series : [{ name: data.series, values: data.values }]).map(
      function (one, index) {
        return {
          name: one.name,
          type: "bar",
          barMaxWidth: 28,
          data: one.values,
          itemStyle: { color: colours[index % colours.length] },
          label: { show: true, position: "right" }
        };
      }
    );
    // One group of bars per label: the chart grows with the number of labels.
    var perLabel = 36 + (series.length - 1) * 20;
    element.style.height = String(Math.max(120, perLabel * data.labels.length + 60)) + "px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: many ? 36 : 16, bottom: 8, containLabel: true },
      legend: many ? { top: 0 } : undefined,
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: series
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  });
})();
