// A service worker that makes the page cross-origin isolated on a static host
// that cannot send the headers itself (isolation is what lets the engine use
// WebAssembly threads: SharedArrayBuffer). It answers the site's own requests
// with the response it fetched plus Cross-Origin-Opener-Policy: same-origin,
// Cross-Origin-Embedder-Policy: require-corp and Cross-Origin-Resource-Policy:
// same-origin — enough, since everything the page loads is same-origin.
// Registered by page/isolation.js; it lives at the site's root so that its
// scope covers the page, the worker and the engine. Other origins' requests
// (there are none) would pass through untouched.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response; // opaque: nothing to add to
      const headers = new Headers(response.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
      headers.set('Cross-Origin-Resource-Policy', 'same-origin');
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
