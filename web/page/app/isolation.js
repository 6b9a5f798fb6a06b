// Cross-origin isolation for hosts that cannot send COOP/COEP headers: the
// threaded engine needs a cross-origin-isolated page. When the page is not,
// this registers ../isolation-sw.js (a service worker that adds the headers to
// the site's own responses) and reloads the page once it is in control. The
// reload happens at most once per tab session (sessionStorage), so a browser
// where it does not help keeps the single-threaded engine instead of looping.
// `?no-isolation-sw` in the URL skips it (and unregisters the worker).
const RELOADED = 'mnist-mlp.isolation-reload';
const TIMEOUT_MS = 4000;

/** Resolves true when the page is about to reload (start nothing), false otherwise. */
export async function ensureIsolation() {
  if (globalThis.crossOriginIsolated || !('serviceWorker' in navigator)) return false;
  const url = new URL('../../isolation-sw.js', import.meta.url);
  try {
    if (new URLSearchParams(location.search).has('no-isolation-sw')) {
      for (const r of await navigator.serviceWorker.getRegistrations())
        if (r.active?.scriptURL === url.href) await r.unregister();
      return false;
    }
    if (sessionStorage.getItem(RELOADED)) return false;
    // A browser that blocks service workers may leave these promises pending: give up after a while.
    const control = (async () => {
      await navigator.serviceWorker.register(url);
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller)
        await new Promise((resolve) =>
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
        );
      return true;
    })();
    const timeout = new Promise((resolve) => setTimeout(() => resolve(false), TIMEOUT_MS));
    if (!(await Promise.race([control, timeout]))) {
      console.warn('cross-origin isolation: the service worker did not take control; training on one thread');
      return false;
    }
    sessionStorage.setItem(RELOADED, '1');
    location.reload();
    return true;
  } catch (err) {
    console.warn(`cross-origin isolation by service worker failed: ${err?.message ?? err}`);
    return false;
  }
}
