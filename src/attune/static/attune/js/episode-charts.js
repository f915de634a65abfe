// The episode page's charts: outcome (PHQ-9, GAD-7, expected-recovery band, caseness, reliable
// change), session feedback (four domains and the total, rupture and repair markers) and the
// modality timeline with the therapist's private-note markers, all on one session axis.
// Data comes from the page's json_script block; colours from css/charts.css. Nothing inline,
// nothing from other hosts, no eval: works under script-src 'self' and style-src 'self'
// (Chart.js only sets the canvas's own size through the CSSOM). Needs the vendored Chart.js.
(function () {
  "use strict";
  var source = document.getElementById("episode-charts-data");
  var root = document.querySelector("[data-charts]");
  if (!source || !root || typeof window.Chart === "undefined") { return; }
  var Chart = window.Chart;
  var data = JSON.parse(source.textContent);
  var css = window.getComputedStyle(root);

  function color(name, fallback) {
    return css.getPropertyValue(name).trim() || fallback;
  }

  // All charts share the session axis: the same range and the same axis widths left and
  // right, so a session sits at the same x on every chart.
  // Narrow screens (phones) get slimmer axes and a smaller font.
  var narrow = root.clientWidth < 560;
  var LEFT = narrow ? 40 : 56;
  var RIGHT = narrow ? 40 : 56;
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  if (narrow) { Chart.defaults.font.size = 11; }
  var MARK = narrow ? 6 : 8;
  var DOT = narrow ? 2.5 : 3.5;
  Chart.defaults.color = color("--chart-muted", "#5b6672");
  Chart.defaults.borderColor = color("--chart-grid", "#e5e8eb");
  // No animation: a chart that grows from zero shows wrong scores for a moment.
  Chart.defaults.animation = false;

  function fixWidth(width) {
    return function (axis) { axis.width = width; };
  }

  function sessionAxis(showTitle) {
    return {
      type: "linear",
      min: data.axis.min - 0.5,
      max: data.axis.max + 0.5,
      ticks: { stepSize: 1, precision: 0, autoSkip: true, maxRotation: 0 },
      // One tick per session number (Chart.js would start at the half-session margin).
      afterBuildTicks: function (axis) {
        var ticks = [];
        for (var n = data.axis.min; n <= data.axis.max; n += 1) { ticks.push({ value: n }); }
        axis.ticks = ticks;
      },
      title: { display: showTitle, text: "Session" },
      grid: { display: false }
    };
  }

  // A legend entry can stand for a group of datasets (a band: its lower and upper limits and
  // the expected line); clicking it shows or hides them all.
  var legend = {
    position: "bottom",
    labels: {
      usePointStyle: true,
      boxHeight: 8,
      filter: function (item, chartData) {
        return chartData.datasets[item.datasetIndex].legend !== false;
      },
      sort: function (a, b) {
        return (a.legendOrder - b.legendOrder) || (a.datasetIndex - b.datasetIndex);
      },
      generateLabels: function (chart) {
        var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
        items.forEach(function (item) {
          var dataset = chart.data.datasets[item.datasetIndex];
          var stroke = dataset.legendStroke;
          item.legendOrder = dataset.legendOrder || 0;
          if (stroke) { item.strokeStyle = stroke; item.lineWidth = 1; }
        });
        return items;
      }
    },
    onClick: function (event, item, legendBox) {
      var chart = legendBox.chart;
      var datasets = chart.data.datasets;
      var group = datasets[item.datasetIndex].group;
      var show = !chart.isDatasetVisible(item.datasetIndex);
      datasets.forEach(function (dataset, index) {
        if (index === item.datasetIndex || (group && dataset.group === group)) {
          chart.setDatasetVisibility(index, show);
        }
      });
      chart.update();
    }
  };

  function tooltip(extra) {
    return Object.assign({
      mode: "x",
      intersect: false,
      filter: function (item) { return item.dataset.tooltip !== false; },
      callbacks: {
        title: function (items) { return items.length ? "Session " + items[0].parsed.x : ""; }
      }
    }, extra || {});
  }

  // A line chart on the session axis with the shared legend: `scales` are its value axes,
  // `label` words one tooltip line (headed by the session), `layout` is optional.
  function sessionLineChart(canvas, datasets, scales, label, layout) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      scales: Object.assign({ x: sessionAxis(true) }, scales),
      plugins: {
        legend: legend,
        tooltip: tooltip({
          callbacks: {
            title: function (items) { return items.length ? "Session " + items[0].parsed.x : ""; },
            label: label
          }
        })
      }
    };
    if (layout) { options.layout = layout; }
    return new Chart(canvas, { type: "line", data: { datasets: datasets }, options: options });
  }

  // ---------------------------------------------------------------- outcome

  function outcomeChart(canvas) {
    var datasets = [];
    var xMin = data.axis.min - 0.5;
    var xMax = data.axis.max + 0.5;
    data.outcome.measures.forEach(function (m) {
      var line = color("--chart-" + m.code, "#2f6f68");
      var fill = color("--chart-" + m.code + "-band", "rgba(47, 111, 104, .16)");
      var group = m.code + "-band";
      var hidden = !m.judged;
      var bandAt = {};
      m.band.points.forEach(function (p) { bandAt[p.x] = p; });
      datasets.push({
        label: m.label + " band lower limit",
        data: m.band.points.map(function (p) { return { x: p.x, y: p.lower }; }),
        group: group, legend: false, tooltip: false, hidden: hidden,
        borderWidth: 0, pointRadius: 0, pointHitRadius: 0, fill: false, order: 5
      });
      datasets.push({
        label: m.label + " expected, " + m.band.level_label + " band",
        data: m.band.points.map(function (p) { return { x: p.x, y: p.upper }; }),
        group: group, tooltip: false, hidden: hidden, legendStroke: line, legendOrder: 2,
        borderWidth: 0, borderColor: fill, backgroundColor: fill, pointStyle: "rect",
        pointRadius: 0, pointHitRadius: 0, fill: "-1", order: 5
      });
      datasets.push({
        label: m.label + " expected",
        data: m.band.points.map(function (p) { return { x: p.x, y: p.expected }; }),
        group: group, legend: false, hidden: hidden, bandAt: bandAt, levelLabel: m.band.level_label,
        borderColor: line, borderWidth: 1.5, borderDash: [2, 3], pointRadius: 0, fill: false,
        order: 4
      });
      datasets.push({
        label: m.label + " caseness (" + m.caseness + ")",
        data: [{ x: xMin, y: m.caseness }, { x: xMax, y: m.caseness }],
        tooltip: false, legendOrder: 3, borderColor: line, borderWidth: 1.5, borderDash: [8, 5],
        pointRadius: 0, pointHitRadius: 0, pointStyle: "line", fill: false, order: 3
      });
      datasets.push({
        label: m.label,
        data: m.scores,
        borderColor: line, backgroundColor: line, borderWidth: 2.5,
        pointRadius: DOT, pointHoverRadius: DOT + 1.5, fill: false, spanGaps: true, order: 1
      });
      [["improvement", 180], ["deterioration", 0]].forEach(function (kind) {
        var points = m.reliable.filter(function (p) { return p.direction === kind[0]; });
        if (!points.length) { return; }
        var marker = color("--chart-" + kind[0], kind[0] === "improvement" ? "#15803d" : "#b91c1c");
        datasets.push({
          label: m.label + " reliable " + kind[0],
          data: points.map(function (p) { return { x: p.x, y: p.y, change: p.change }; }),
          legendOrder: 4,
          showLine: false, pointStyle: "triangle", rotation: kind[1], pointRotation: kind[1],
          pointRadius: MARK, pointHoverRadius: MARK + 1, borderColor: marker, backgroundColor: marker,
          borderWidth: 1, order: 0
        });
      });
    });

    return sessionLineChart(canvas, datasets, {
      y: {
        min: 0, max: data.outcome.max,
        ticks: { stepSize: 3 },
        title: { display: true, text: "Score" },
        afterFit: fixWidth(LEFT)
      }
    }, function (item) {
      var dataset = item.dataset;
      var text = dataset.label + ": " + item.parsed.y;
      if (dataset.bandAt) {
        var p = dataset.bandAt[item.parsed.x];
        text = dataset.label + ": " + p.expected.toFixed(1) + " (" + dataset.levelLabel +
          " band " + p.lower.toFixed(1) + "–" + p.upper.toFixed(1) + ")";
      } else if (item.raw && item.raw.change !== undefined) {
        text = dataset.label + ": " + (item.raw.change > 0 ? "+" : "") + item.raw.change +
          " from the first score";
      }
      return text;
    }, { padding: { right: RIGHT } });
  }

  // ---------------------------------------------------------------- alliance

  var MARKERS = {
    rupture: { style: "triangle", rotation: 0, variable: "--chart-rupture", fallback: "#c2410c" },
    repair: { style: "rectRot", rotation: 0, variable: "--chart-repair", fallback: "#15803d" },
    unrepaired_rupture: {
      style: "crossRot", rotation: 0, variable: "--chart-unrepaired", fallback: "#b91c1c"
    }
  };

  function allianceChart(canvas) {
    var a = data.alliance;
    var dashes = [[], [6, 3], [2, 3], [8, 3, 2, 3]];
    var datasets = a.domains.map(function (domain, index) {
      var line = color("--chart-" + domain.code, "#44617b");
      return {
        label: domain.label,
        data: domain.points,
        yAxisID: "y",
        borderColor: line, backgroundColor: line, borderWidth: 1.5, borderDash: dashes[index % 4],
        pointRadius: 2.5, pointHoverRadius: 4, fill: false, spanGaps: true, order: 2
      };
    });
    var total = color("--chart-total", "#1f2933");
    datasets.push({
      label: "Total (right axis)",
      data: a.total,
      yAxisID: "y1",
      borderColor: total, backgroundColor: total, borderWidth: 3,
      pointRadius: DOT, pointHoverRadius: DOT + 1.5, fill: false, spanGaps: true, order: 1
    });
    // Several markers at one session are stacked upwards so that none hides another.
    var stacked = {};
    var step = a.total_max / 10;
    var placed = a.markers.map(function (m) {
      var k = stacked[m.x] || 0;
      stacked[m.x] = k + 1;
      return Object.assign({}, m, { y: Math.min(m.y + k * step, a.total_max) });
    });
    a.marker_kinds.forEach(function (kind) {
      var points = placed.filter(function (m) { return m.kind === kind.kind; });
      if (!points.length) { return; }
      var look = MARKERS[kind.kind];
      var marker = color(look.variable, look.fallback);
      datasets.push({
        label: kind.label,
        data: points.map(function (m) { return { x: m.x, y: m.y, title: m.title }; }),
        yAxisID: "y1",
        showLine: false, pointStyle: look.style, pointRadius: MARK, pointHoverRadius: MARK + 1,
        borderColor: marker, backgroundColor: marker, borderWidth: 2.5, order: 0
      });
    });

    return sessionLineChart(canvas, datasets, {
      y: {
        min: 0, max: a.domain_max, ticks: { stepSize: 2 },
        title: { display: true, text: "Domain (0–" + a.domain_max + ")" },
        afterFit: fixWidth(LEFT)
      },
      y1: {
        position: "right", min: 0, max: a.total_max,
        ticks: { stepSize: a.total_max / 5 },
        title: { display: true, text: "Total (0–" + a.total_max + ")" },
        grid: { drawOnChartArea: false },
        afterFit: fixWidth(RIGHT)
      }
    }, function (item) {
      if (item.raw && item.raw.title) { return item.raw.title; }
      return item.dataset.label.replace(" (right axis)", "") + ": " + item.parsed.y;
    });
  }

  // ---------------------------------------------------------------- modality timeline

  // Lane names are written inside the plot, above each lane's bars, so the timeline keeps the
  // same left axis width as the charts above (modality names are long).
  var laneLabels = {
    id: "laneLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var y = chart.scales.y;
      ctx.save();
      ctx.font = "12px " + Chart.defaults.font.family;
      ctx.fillStyle = color("--chart-ink", "#1f2933");
      ctx.textBaseline = "bottom";
      chart.data.labels.forEach(function (label, index) {
        ctx.fillText(label, chart.chartArea.left + 4, y.getPixelForValue(index) - 8);
      });
      ctx.restore();
    }
  };

  function timelineChart(canvas) {
    var t = data.timeline;
    var palette = color("--chart-lanes", "#2f6f68").split(/\s+/);
    var labels = t.lanes.map(function (lane) { return lane.label; });
    var notesLabel = "Your private notes";
    var missedLabel = "Missed or cancelled";
    if (data.notes.length) { labels.push(notesLabel); }
    if (t.missed.length) { labels.push(missedLabel); }
    if (!labels.length) { labels.push("No modality recorded yet"); }
    var runs = [];
    var runColors = [];
    t.lanes.forEach(function (lane, index) {
      lane.runs.forEach(function (run) {
        runs.push({ x: [run.from - 0.45, run.to + 0.45], y: lane.label, from: run.from, to: run.to });
        runColors.push(palette[index % palette.length]);
      });
    });
    function marks(numbers, label) {
      return numbers.map(function (n) { return { x: [n - 0.3, n + 0.3], y: label, from: n, to: n }; });
    }
    var datasets = [{
      label: "Modalities", data: runs, backgroundColor: runColors, borderRadius: 3
    }];
    if (data.notes.length) {
      datasets.push({
        label: notesLabel, data: marks(data.notes, notesLabel),
        backgroundColor: color("--chart-note", "#1d4ed8"), borderRadius: 3
      });
    }
    if (t.missed.length) {
      datasets.push({
        label: missedLabel, data: marks(t.missed, missedLabel),
        backgroundColor: color("--chart-missed", "#9aa3ab"), borderRadius: 3
      });
    }
    // One lane of 34 px per row plus the session axis.
    canvas.parentNode.style.height = (labels.length * 34 + 48) + "px";

    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      plugins: [laneLabels],
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        grouped: false,
        barThickness: 12,
        layout: { padding: { top: 8, right: RIGHT } },
        scales: {
          x: sessionAxis(true),
          y: {
            type: "category",
            ticks: { display: false },
            grid: { display: true, offset: true },
            afterFit: fixWidth(LEFT)
          }
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) {
                if (!items.length) { return ""; }
                var raw = items[0].raw;
                return raw.from === raw.to ? "Session " + raw.from
                  : "Sessions " + raw.from + "–" + raw.to;
              },
              label: function (item) { return item.raw.y; }
            }
          }
        }
      }
    });
  }

  var draw = [
    ["outcome-canvas", outcomeChart],
    ["alliance-canvas", allianceChart],
    ["timeline-canvas", timelineChart]
  ];
  draw.forEach(function (entry) {
    var canvas = document.getElementById(entry[0]);
    if (canvas) { entry[1](canvas); }
  });
})();
