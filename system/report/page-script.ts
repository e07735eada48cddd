/**
 * The report page's own script (plain ES5-ish JavaScript, inlined as text). It turns each static SVG
 * into an interactive vega-embed view, and publishes its progress on `window.flyerReportStatus` so a
 * headless browser can wait for it and read failures without parsing the DOM. Anything that goes wrong,
 * including a Content-Security-Policy violation (a blocked network fetch), is logged with console.error,
 * which the report test treats as a failure.
 */
export const PAGE_SCRIPT = `
(function () {
  var status = { expected: 0, rendered: 0, failed: 0, errors: [], done: false };
  window.flyerReportStatus = status;
  function fail(message) {
    status.errors.push(message);
    console.error('flyer report: ' + message);
  }
  document.addEventListener('securitypolicyviolation', function (event) {
    fail('blocked by the page security policy: ' + event.violatedDirective + ' ' + (event.blockedURI || ''));
  });
  var charts;
  try {
    charts = JSON.parse(document.getElementById('flyer-charts').textContent);
  } catch (error) {
    fail('chart specs do not parse: ' + error);
    status.done = true;
    return;
  }
  status.expected = charts.length;
  if (typeof vegaEmbed !== 'function') {
    fail('vega-embed did not load');
    status.done = true;
    return;
  }
  var jobs = charts.map(function (chart) {
    var section = document.getElementById('chart-' + chart.id);
    var target = document.getElementById('view-' + chart.id);
    // No "open in editor" action: it would send the spec to a web site; export and source stay local.
    var options = { mode: 'vega-lite', renderer: 'svg', actions: { export: true, source: true, compiled: true, editor: false } };
    return vegaEmbed(target, chart.spec, options).then(function () {
      status.rendered += 1;
      section.classList.add('interactive');
    }, function (error) {
      status.failed += 1;
      fail('chart ' + chart.id + ' did not render: ' + (error && error.message ? error.message : error));
    });
  });
  Promise.all(jobs).then(function () { status.done = true; });
})();
`;
