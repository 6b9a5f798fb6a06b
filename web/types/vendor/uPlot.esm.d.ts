// The site serves uPlot's ES module as vendor/uPlot.esm.js (scripts/build-site.mjs);
// its types are the npm package's own.
import uPlot from 'uplot';
export default uPlot;
