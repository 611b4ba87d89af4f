#!/bin/sh
# Rebuilds plotly-llmx.min.js (served as assets/llmx/plotly.min.js) and its licence from the
# npm packages plotly.js 4.1.1 and esbuild 0.28.2. Run by hand, never by CI or the site build:
#
#     sh pipeline/site/assets/plotly-llmx.build.sh          (needs node >= 20 and npm)
#
# Why a bundle of our own: a post with five charts must transfer at most 0.6 MB gzipped with
# everything it loads, and plotly.js's smallest published bundle with heatmaps ("cartesian",
# which also carries box, violin, histogram, contour, pie, ternary, image and the calendars)
# is 0.50 MB gzipped by itself. This one is plotly.js's own core (src/core.js, the scatter
# trace and the components a chart of ours uses: legend, hover, annotations, shapes, grid,
# error bars, colour scales and bars, the mode bar) plus the bar and heatmap traces, the
# three trace types pipeline/site/components/chart.py draws: 1.10 MB, 0.39 MB gzipped.
# Left out of the core: updatemenus, sliders, range slider and selector, layout images and
# 3-D annotations (plotly skips an unregistered component; no chart of ours sets them).
# A chart with another trace type needs it added below (`require('plotly.js/lib/<type>')`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact plotly.js@4.1.1 esbuild@0.28.2
cat > entry.js <<'EOF'
'use strict';
// plotly.js 4.1.1's src/core.js, with fewer components, and the bar and heatmap traces
exports.version = require('plotly.js/src/version').version;
require('native-promise-only');
require('plotly.js/build/plotcss');
var Registry = require('plotly.js/src/registry');
var register = exports.register = Registry.register;
var plotApi = require('plotly.js/src/plot_api');
Object.keys(plotApi).forEach(function(name) {
    if(name.charAt(0) !== '_') exports[name] = plotApi[name];
    register({moduleType: 'apiMethod', name: name, fn: plotApi[name]});
});
register(require('plotly.js/src/traces/scatter'));
register([
    require('plotly.js/src/components/annotations'),
    require('plotly.js/src/components/selections'),
    require('plotly.js/src/components/shapes'),
    require('plotly.js/src/components/grid'),
    require('plotly.js/src/components/errorbars'),
    require('plotly.js/src/components/colorscale'),
    require('plotly.js/src/components/colorbar'),
    require('plotly.js/src/components/legend'), // after shapes, as in src/core.js
    require('plotly.js/src/components/fx'), // after legend
    require('plotly.js/src/components/modebar')
]);
register([require('plotly.js/src/locale-en'), require('plotly.js/src/locale-en-us')]);
register([require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap')]);
exports.Icons = require('plotly.js/src/fonts/ploticon');
var Plots = require('plotly.js/src/plots/plots');
exports.Plots = {resize: Plots.resize, graphJson: Plots.graphJson};
EOF
cat > banner.txt <<'EOF'
/**
* plotly.js (llmx: core, bar, heatmap - minified) v4.1.1
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
* Built by pipeline/site/assets/plotly-llmx.build.sh
*/
EOF
# plotly's own esbuild settings (esbuild-config.js), minified; the maplibre CSS that
# src/registry.js imports for map traces is left out (no map trace is registered)
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
    --define:global=window --define:define.amd=false --target=es2016 --loader:.css=empty \
    --log-level=warning --outfile=bundle.js
cat banner.txt bundle.js > "$here/plotly-llmx.min.js"
cp node_modules/plotly.js/LICENSE "$here/plotly-llmx.LICENSE"
ls -l "$here/plotly-llmx.min.js"
gzip -6c "$here/plotly-llmx.min.js" | wc -c | sed 's/$/ bytes gzipped/'
