/* Waybill's service worker. Hand-written, no build step; served at /sw.js so its scope is the whole site.
 *
 * - install: precache the shell (offline page, CSS, htmx, app.js, the command log's offline.js and commandlog.js
 *   with every module they import, the driver's and picker's modules, manifest, icon) under CACHE_VERSION, so
 *   offline pages can still write to the log. Static files are precached under their hashed URLs.
 * - activate: delete every cache of an older version.
 * - fetch: only same-origin GETs are touched, never /api/. Page loads go to the network first (a copy of
 *   each page that loaded is kept); after NAVIGATION_TIMEOUT_MS a kept copy is shown instead, and when the
 *   network fails the kept copy or else the offline page. Static files come from the cache first.
 * - message "cache-pages" {urls} (driver area, "Take today's run offline"): fetch each same-origin page now
 *   and keep it with the pages cache, answering progress {done, total} and then {type: "done", failed}.
 * - message "clear-caches": sign-out asks for every cache to go, so the next person on this phone
 *   cannot read the last one's pages; the (impersonal) shell is then fetched again.
 *
 * CACHE_VERSION and ASSET_URLS are stamped by the server (backend/web/pwa.py) from the hashed static files: when
 * any changes, the changed worker installs, fetches the files whose URL changed and, on activation, drops the
 * old caches.
 */
const CACHE_VERSION = "dev";
const CACHE_PREFIX = "waybill-";
const STATIC_CACHE = `${CACHE_PREFIX}static-${CACHE_VERSION}`;
const PAGES_CACHE = `${CACHE_PREFIX}pages-${CACHE_VERSION}`;
const OFFLINE_URL = "/offline";
const NAVIGATION_TIMEOUT_MS = 3000;


// What the driver's and the picker's pages need offline, and nothing more (office pages are online work;
// the large icons are fetched by the browser itself when the app is installed).
const PRECACHE = [
  OFFLINE_URL,
  "/static/css/app.css",
  "/static/vendor/htmx-2.0.11/htmx.min.js",
  "/static/vendor/socket.io-client-4.8.4/socket.io.esm.min.js",
  "/static/js/live.js",
  "/static/js/app.js",
  "/static/js/offline.js",
  "/static/js/attention.js",
  "/static/js/page.js",
  "/static/js/timefmt.js",
  "/static/js/money.js",
  "/static/js/commandlog.js",
  "/static/js/commandlog_db.js",
  "/static/js/commandlog_session.js",
  "/static/js/commandlog_store.js",
  "/static/js/commandlog_sync.js",
  "/static/js/commandlog_photos.js",
  "/static/js/driver.js",
  "/static/js/driver_evidence.js",
  "/static/js/driver_forms.js",
  "/static/js/driver_offline_run.js",
  "/static/js/driver_status.js",
  "/static/js/photos.js",
  "/static/js/signature.js",
  "/static/js/picking.js",
  "/static/js/picking_camera.js",
  "/static/js/barcode.js",
  "/static/js/stock_scan.js",
  "/static/js/picking_forms.js",
  "/static/js/picking_list.js",
  "/static/js/picking_live.js",
  "/static/js/picking_status.js",
  "/manifest.webmanifest",
  "/static/icons/icon-192.png",
];
// The hashed URL of each static file above (and of the notification icon), stamped by the server: pages
// load /static/js/app.<hash>.js, never /static/js/app.js, and what is under a hashed URL never changes.
const ASSET_URLS = {};
const hashedUrl = (url) => ASSET_URLS[url] || url;
// What the plain URL of each module above answers (the server's own stub, stamped too): it re-exports the
// hashed module, so code importing the plain URL shares the page's copy, offline as well.
const MODULE_STUBS = {};

/** Into this version's cache: each hashed file from an older version's cache or the HTTP cache if it is
 * there (its content cannot have changed), else from the server; the offline page and the manifest fresh. */
async function precache() {
  const cache = await caches.open(STATIC_CACHE);
  await Promise.all(PRECACHE.map(async (url) => {
    const hashed = ASSET_URLS[url];
    if (!hashed) {
      // cache: "reload" skips the HTTP cache, so a new version never precaches an old copy.
      await cache.add(new Request(url, { cache: "reload" }));
      return;
    }
    if (await cache.match(hashed)) return;
    const kept = await caches.match(hashed);
    const response = kept || await fetch(hashed);
    if (!response.ok) throw new Error(`precache: ${hashed} answered ${response.status}`);
    await cache.put(hashed, response);
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGES_CACHE]);
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && !keep.has(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "clear-caches") return;
  const reply = event.ports && event.ports[0];
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX)).map((name) => caches.delete(name)));
    if (reply) reply.postMessage({ type: "caches-cleared" });
    // The shell holds nothing personal; fetch it again so the offline page keeps working after sign-out.
    await precache().catch(() => {});
  })());
});

self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "cache-pages") return;
  const reply = event.ports && event.ports[0];
  event.waitUntil(cachePages(Array.isArray(event.data.urls) ? event.data.urls : [], reply));
});

/** Keep a copy of each page a shift needs, as a navigation to it would (only whole, personal-session pages). */
async function cachePages(urls, reply) {
  const wanted = urls.map((u) => new URL(u, self.location.origin)).filter((u) => u.origin === self.location.origin);
  const cache = await caches.open(PAGES_CACHE);
  const failed = [];
  let done = 0;
  for (const url of wanted) {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      // A redirect (to sign-in) or an error page is not the page asked for: never keep it under this URL.
      if (cacheable(response) && !response.redirected) await cache.put(url.href, response);
      else failed.push(url.pathname);
    } catch (error) {
      failed.push(url.pathname);
    }
    done += 1;
    if (reply) reply.postMessage({ type: "progress", done, total: wanted.length });
  }
  await precache().catch(() => {});  // the pages' scripts and styles too, in case an update is half-installed
  if (reply) reply.postMessage({ type: "done", total: wanted.length, failed });
}

/** Worth keeping: a complete 200 answer the server did not mark as never-store. */
function cacheable(response) {
  if (!response || response.status !== 200 || response.type !== "basic") return false;
  const cacheControl = response.headers.get("Cache-Control") || "";
  return !/no-store/i.test(cacheControl);
}

function isStatic(url) {
  return url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest";
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // POSTs (sign-in, decisions) and every other write go straight to the server, untouched.
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The API is live data with its own auth; a cached answer would be wrong, so never intercept it.
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(event));
  } else if (Object.hasOwn(MODULE_STUBS, url.pathname)) {
    event.respondWith(new Response(MODULE_STUBS[url.pathname], {
      headers: { "Content-Type": "application/javascript; charset=utf-8" },
    }));
  } else if (isStatic(url)) {
    event.respondWith(staticAsset(event));
  }
  // Anything else (htmx fragment requests) goes to the network as usual.
});

/** Network first; a kept copy after the timeout or on failure; the offline page as the last resort. */
async function navigation(event) {
  const request = event.request;
  const network = fetch(request).then((response) => {
    if (cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES_CACHE).then((cache) => cache.put(request, copy)));
    }
    return response;
  });
  network.catch(() => {});  // handled below; this stops an "unhandled rejection" while the timer wins
  const timedOut = new Promise((resolve) => setTimeout(() => resolve("timeout"), NAVIGATION_TIMEOUT_MS));
  try {
    const first = await Promise.race([network, timedOut]);
    if (first !== "timeout") return first;
    // Slow network: show the kept copy if there is one, otherwise keep waiting for the server
    // (slow is not offline, and the offline page would tell the person something false).
    const kept = await keptCopy(request);
    return kept || await network;
  } catch (error) {
    return (await keptCopy(request)) || (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

async function keptCopy(request) {
  const cache = await caches.open(PAGES_CACHE);
  // Only whole pages are stored here, so Vary (HX-Request, Cookie) cannot mix up variants.
  return cache.match(request, { ignoreVary: true });
}

/** Cache first for static files; fetched and kept when missing. */
async function staticAsset(event) {
  const cached = await caches.match(event.request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(event.request);
  if (cacheable(response)) {
    const copy = response.clone();
    event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.put(event.request, copy)));
  }
  return response;
}

/* Web push (customers' order notifications, backend/services/push.py): each push is shown as a notification
 * with the payload's title and body, tagged with the order's Topic so a newer status replaces the older
 * one; a click focuses the order's tracking page if it is open, else opens it. Only a /track/ path of this
 * origin is ever opened (or, for staff new-order alerts, an /orders/<id> page). */
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const text = (value, fallback) => (typeof value === "string" && value ? value.slice(0, 500) : fallback);
  // A customer's tracking page, or (staff new-order alerts) an order's office page; nothing else.
  const url = typeof data.url === "string" && (data.url.startsWith("/track/") || /^\/orders\/\d+$/.test(data.url))
    ? data.url : "/";
  const tag = text(data.tag, "");
  event.waitUntil(self.registration.showNotification(text(data.title, "Order update"), {
    body: text(data.body, ""),
    tag: tag || undefined,
    renotify: Boolean(tag),
    icon: hashedUrl("/static/icons/icon-192.png"),
    data: { url, event_id: data.event_id || null, kind: data.kind || null },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).pathname === target.pathname);
    if (open) {
      await open.focus();
      return open.navigate(target.href).catch(() => open);  // show the new status
    }
    return self.clients.openWindow(target.href);
  })());
});
