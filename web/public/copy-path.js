// Copy buttons next to storage paths (views/partials/copy-path.ejs, or any .copy-btn beside a <code>).
// The text is read from the <code> at click time, so a path that a page updates live is copied as
// shown. Without the clipboard API (plain http on a LAN address is not a secure context) the path is
// selected so Ctrl+C copies it.
document.addEventListener('click', function (e) {
  var btn = e.target instanceof Element ? e.target.closest('.copy-btn') : null;
  if (!btn) return;
  var code = btn.parentElement?.querySelector('code');
  var text = code ? code.textContent : btn.getAttribute('data-copy') || '';
  var done = function (word) {
    btn.textContent = word;
    setTimeout(function () {
      btn.textContent = 'Copy';
    }, 2000);
  };
  var select = function () {
    if (!code) return done('Copy failed');
    var range = document.createRange();
    range.selectNodeContents(code);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    done('Selected: press Ctrl+C');
  };
  if (navigator.clipboard && window.isSecureContext)
    navigator.clipboard.writeText(text).then(function () {
      done('Copied');
    }, select);
  else select();
});
