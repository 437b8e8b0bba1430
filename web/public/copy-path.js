// Copying a storage path shown in a <code>: the job page's "Copy path" (public/jobs.js) and the copy
// buttons beside paths (views/partials/copy-path.ejs, or any .copy-btn beside a <code>). The text is
// read at click time, so a path that a page updates live is copied as shown. Without the clipboard API
// (plain http on a LAN address is not a secure context) the path is selected so Ctrl+C copies it.

/** Resolves to 'copied', or to 'selected' when the path could only be selected for the user to copy. */
export function copyPath(code) {
  var select = function () {
    var range = document.createRange();
    range.selectNodeContents(code);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    return 'selected';
  };
  if (navigator.clipboard && window.isSecureContext)
    return navigator.clipboard.writeText(code.textContent).then(function () {
      return 'copied';
    }, select);
  return Promise.resolve(select());
}

document.addEventListener('click', function (e) {
  var btn = e.target instanceof Element ? e.target.closest('.copy-btn') : null;
  if (!btn) return;
  var code = btn.parentElement?.querySelector('code');
  var done = function (word) {
    btn.textContent = word;
    setTimeout(function () {
      btn.textContent = 'Copy';
    }, 2000);
  };
  if (code) {
    copyPath(code).then(function (how) {
      done(how === 'copied' ? 'Copied' : 'Selected: press Ctrl+C');
    });
  } else if (btn.getAttribute('data-copy') && navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(btn.getAttribute('data-copy')).then(
      function () {
        done('Copied');
      },
      function () {
        done('Copy failed');
      },
    );
  } else {
    done('Copy failed');
  }
});
