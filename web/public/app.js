// D011DL portal: small progressive enhancements. Every page works without it, except live progress.
// Sizes, durations and the file filter come from the contract (served by web/src/shared-assets.ts),
// so they read and match as on the server and in the Android app.
import { formatBytes as humanBytes } from './shared/format.js';
import { globFilter } from './shared/glob.js';

(function () {
  // Revision picker: choosing (arrow keys included) only marks "Show" as the next step; the page
  // changes when it is pressed (WCAG 3.2.2, no change of context on input).
  var rev = document.getElementById('revision');
  var revShow = document.getElementById('rev-show');
  if (rev && revShow) {
    var shown = rev.value;
    rev.addEventListener('change', function () {
      revShow.classList.toggle('primary', rev.value !== shown);
    });
  }

  // File tree: folder checkboxes cover everything under them; "Select all"; selected size.
  var tree = document.getElementById('tree');
  var all = document.getElementById('select-all');
  var summary = document.getElementById('selected-summary');
  if (tree) {
    var boxes = Array.prototype.slice.call(tree.querySelectorAll('input[type=checkbox][data-path]'));
    var files = boxes.filter(function (b) {
      return !b.dataset.dir;
    });
    var dirs = boxes.filter(function (b) {
      return b.dataset.dir;
    });
    // Each box's folder boxes, found once: the selection and the filter then cost one pass over the
    // files, not one per folder (a quantised repo has hundreds of folders and thousands of files).
    var dirByPath = {};
    dirs.forEach(function (d) {
      dirByPath[d.dataset.path] = d;
    });
    var ancestors = function (b) {
      var out = [],
        p = b.dataset.path,
        i;
      while ((i = p.lastIndexOf('/')) > 0) {
        p = p.slice(0, i);
        if (dirByPath[p]) out.push(dirByPath[p]);
      }
      return out;
    };
    var parentsOf = new Map();
    boxes.forEach(function (b) {
      parentsOf.set(b, ancestors(b));
    });
    var under = function (d) {
      return boxes.filter(function (b) {
        return parentsOf.get(b).indexOf(d) >= 0;
      });
    };
    var refresh = function () {
      // folders reflect their files: checked when all are, indeterminate when some are
      var total = new Map(),
        checked = new Map();
      var bytes = 0,
        chosen = 0;
      files.forEach(function (f) {
        if (f.checked) {
          chosen++;
          bytes += Number(f.dataset.size || 0);
        }
        parentsOf.get(f).forEach(function (d) {
          total.set(d, (total.get(d) || 0) + 1);
          if (f.checked) checked.set(d, (checked.get(d) || 0) + 1);
        });
      });
      dirs.forEach(function (d) {
        var n = checked.get(d) || 0,
          of = total.get(d) || 0;
        d.checked = of > 0 && n === of;
        d.indeterminate = n > 0 && n < of;
      });
      if (all) {
        all.checked = chosen === files.length && files.length > 0;
        all.indeterminate = chosen > 0 && chosen < files.length;
      }
      if (summary) {
        var free = summary.dataset.free ? Number(summary.dataset.free) : null;
        var text = chosen ? `${chosen} file${chosen === 1 ? '' : 's'} selected · ${humanBytes(bytes)}` : 'Nothing selected';
        if (free != null) text += ` · ${humanBytes(free)} free on the storage`;
        summary.textContent = text;
        summary.classList.toggle('error-inline', free != null && bytes > free);
      }
    };

    // Filter by globs (comma-separated; * any characters, ? one): contract/src/glob.ts.
    var filter = document.getElementById('filter');
    var filterRow = document.getElementById('filter-row');
    var globs = function () {
      return globFilter(filter.value);
    };
    var matches = function (b, test) {
      return !test || test(b.dataset.path);
    };
    var applyFilter = function () {
      var res = globs();
      var hit = new Set();
      files.forEach(function (b) {
        var ok = matches(b, res);
        b.closest('li').classList.toggle('nomatch', !ok);
        if (ok)
          parentsOf.get(b).forEach(function (d) {
            hit.add(d);
          });
      });
      dirs.forEach(function (d) {
        d.closest('li').classList.toggle('nomatch', !hit.has(d));
        // unfold the folders that hold matches, so they can be seen (and only while filtering)
        if (res && hit.has(d)) d.closest('details').open = true;
      });
    };
    if (filter && filterRow) {
      filterRow.hidden = false;
      filter.addEventListener('input', applyFilter);
      filter.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') e.preventDefault();
      });
      document.getElementById('select-matching').addEventListener('click', function () {
        var res = globs();
        files.forEach(function (b) {
          if (matches(b, res)) b.checked = true;
        });
        refresh();
      });
    }
    tree.addEventListener('change', function (e) {
      var t = e.target;
      if (t?.dataset?.dir)
        under(t).forEach(function (b) {
          b.checked = t.checked;
        });
      refresh();
    });
    if (all)
      all.addEventListener('change', function () {
        boxes.forEach(function (b) {
          b.checked = all.checked;
        });
        refresh();
      });
    // A checked folder stands for everything under it: its files and subfolders are left out of the
    // form (disabled fields are not sent), so a whole big repo is a few fields, well within the
    // portal's limit of 20,000 (web/src/format.ts SELECTION_MAX).
    var form = document.getElementById('download-form');
    if (form) {
      form.addEventListener('submit', function () {
        boxes.forEach(function (b) {
          b.disabled = parentsOf.get(b).some(function (d) {
            return d.checked;
          });
        });
      });
      // back from the job page (the page may come from the back-forward cache): usable again
      window.addEventListener('pageshow', function () {
        boxes.forEach(function (b) {
          b.disabled = false;
        });
      });
    }
    refresh();

    // A link to a file or folder (/blob/, /resolve/, /tree/<rev>/<dir>): that entry is selected, its
    // folders unfolded, and it is scrolled into view.
    var linkPath = form?.dataset.linkPath;
    if (linkPath) {
      var linked = boxes.filter(function (b) {
        return b.dataset.path === linkPath;
      })[0];
      if (linked) {
        linked.checked = true;
        if (linked.dataset.dir)
          under(linked).forEach(function (b) {
            b.checked = true;
          });
        for (var el = linked.parentElement; el && el !== tree; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true;
        var row = linked.closest('li');
        row.classList.add('linked');
        refresh();
        keepCentred(linked.dataset.dir ? linked.closest('summary') : row);
      } else {
        var missing = document.getElementById('link-missing');
        if (missing) missing.hidden = false;
      }
    }
  }

  // Rows of the tree off screen are not laid out (content-visibility in style.css): their real height
  // is known only after the browser renders them, which can move the linked row away from where the
  // first scroll put it. So it is scrolled to again on each frame until it has stayed put for ten
  // frames (for up to 3 s: a busy machine renders in fits and starts), unless the person scrolls first.
  function keepCentred(el) {
    var started = performance.now();
    var still = 0;
    var last = null;
    var stop = false;
    var stopOnInput = function () {
      stop = true;
    };
    ['wheel', 'touchstart', 'keydown', 'mousedown'].forEach(function (t) {
      window.addEventListener(t, stopOnInput, { once: true, passive: true });
    });
    var step = function () {
      if (stop) return;
      var top = el.getBoundingClientRect().top;
      if (last !== null && Math.abs(top - last) < 1) still++;
      else {
        still = 0;
        el.scrollIntoView({ block: 'center' });
        top = el.getBoundingClientRect().top;
      }
      last = top;
      if (still < 10 && performance.now() - started < 3000) requestAnimationFrame(step);
    };
    el.scrollIntoView({ block: 'center' });
    last = el.getBoundingClientRect().top;
    requestAnimationFrame(step);
  }

  // The job page: public/jobs.js; the jobs list and the running strip: public/joblist.js.
})();
