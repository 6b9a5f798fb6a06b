// The site serves fflate's browser ES module as vendor/fflate.js (scripts/build-site.mjs);
// its types are the npm package's own.
export * from 'fflate';
