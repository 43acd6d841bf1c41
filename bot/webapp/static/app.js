// The dashboard's one script: read the initData, load the sections, follow the links.
// The initData goes in the Authorization header only, never into a URL; when it came in
// the address's fragment (the demo's links), it is removed from the address at once.
"use strict";
(function () {
  const app = window.Telegram && window.Telegram.WebApp;
  const fragment = new URLSearchParams(location.hash.slice(1));
  const initData = (app && app.initData) || fragment.get("tgWebAppData") || "";
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (app) { app.ready(); app.expand(); }
  const started = performance.now();
  let pending = 0;

  async function load(target, url) {
    pending += 1;
    try {
      const response = await fetch(url, {
        headers: { Authorization: "tma " + initData },
        credentials: "omit",
        cache: "no-store",
      });
      target.innerHTML = await response.text();  // escaped on the server
      target.dataset.status = String(response.status);
      target.querySelectorAll("[data-load]").forEach(function (part) {
        load(part, part.dataset.load);
      });
    } catch (error) {
      target.textContent = "⚠ " + error;
    } finally {
      pending -= 1;
      if (pending === 0 && !document.body.dataset.rendered) {
        document.body.dataset.rendered = String(Math.round(performance.now() - started));
      }
    }
  }

  // An image behind the initData check: fetched with the header, shown from a blob.
  async function showImage(link) {
    const response = await fetch(link.dataset.image, {
      headers: { Authorization: "tma " + initData },
      credentials: "omit",
    });
    if (!response.ok) return;
    const image = document.createElement("img");
    image.className = "picture";
    image.alt = link.textContent;
    image.src = URL.createObjectURL(await response.blob());
    link.replaceWith(image);
  }

  document.addEventListener("click", function (event) {
    const close = event.target.closest("[data-close]");
    if (close && app && app.close) { event.preventDefault(); app.close(); return; }
    const picture = event.target.closest("[data-image]");
    if (picture) { event.preventDefault(); showImage(picture); return; }
    const link = event.target.closest("[data-go]");
    if (!link) return;
    event.preventDefault();
    const inSection = link.dataset.target === "section";
    const target = inSection ? link.closest("[data-load]") : document.getElementById("view");
    if (!inSection) window.scrollTo(0, 0);
    load(target, link.dataset.go);
  });

  const view = document.getElementById("view");
  const tab = new URLSearchParams(location.search).get("tab");  // the demo's admin link
  load(view, view.dataset.load + (tab ? "?tab=" + encodeURIComponent(tab) : ""));
})();
