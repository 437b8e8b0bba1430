// D011DL portal: the download form's storage root choice (views/partials/storage-choice.ejs). The
// selection summary's "free on the storage" follows the chosen root; public/app.js redraws it on a
// change event of the tree.
var choice = document.getElementById('storage-choice');
var summary = document.getElementById('selected-summary');
if (choice && summary) {
  choice.addEventListener('change', function () {
    var opt = choice.selectedOptions[0];
    summary.dataset.free = opt?.dataset.free ?? '';
    document.getElementById('tree')?.dispatchEvent(new Event('change'));
  });
}
