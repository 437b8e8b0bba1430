// Shared by the portal's live job pages (public/jobs.js, public/joblist.js).

export const FINAL = ['succeeded', 'failed', 'canceled'];
export const $ = function (id) {
  return document.getElementById(id);
};
export const show = function (el, on) {
  if (el) el.hidden = !on;
};
export const isFinal = function (status) {
  return FINAL.indexOf(status) >= 0;
};
export const pctOf = function (d) {
  return d.status === 'succeeded' ? 100 : Math.min(100, Math.max(0, d.progress_pct || 0));
};

/** GET JSON from the portal; a lost session goes to the login page. */
export function getJson(url) {
  return fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
    if (r.status === 401) {
      location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
      throw new Error('signed out');
    }
    return r.json().then(function (body) {
      if (!r.ok) throw new Error(body.message || `HTTP ${r.status}`);
      return body;
    });
  });
}

/** A polite live region that is told only what changed (a screen reader then reads just that). */
export function announcer(el) {
  return function (text) {
    if (el && text) {
      el.textContent = '';
      setTimeout(function () {
        el.textContent = text;
      }, 50);
    }
  };
}

/** A path that a narrow screen wraps after a slash (as web/src/format.ts pathHtml renders it). */
export function setPath(el, p) {
  var parts = p.split(/(?<=[/\\])/);
  el.replaceChildren.apply(
    el,
    parts.flatMap(function (part, i) {
      return i < parts.length - 1 ? [part, document.createElement('wbr')] : [part];
    }),
  );
}

/** Draws a bar exactly: no transition, so what is shown is the state, not a moment of an animation. */
export function drawBar(bar, pct) {
  if (!bar) return;
  bar.setAttribute('aria-valuenow', String(Math.floor(pct)));
  bar.firstElementChild.style.width = `${pct}%`;
}
