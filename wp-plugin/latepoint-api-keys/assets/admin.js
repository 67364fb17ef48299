/* LatePoint API Keys admin: copy button, permission presets, revoke confirmation. Everything also works without it. */
(function () {
	'use strict';
	document.addEventListener('click', function (event) {
		var copy = event.target.closest('.lpapi-copy');
		if (copy) {
			var field = document.getElementById(copy.getAttribute('data-copy-target'));
			var status = copy.parentNode.querySelector('.lpapi-copied');
			var done = function () { if (status) { status.textContent = 'Copied'; } };
			if (navigator.clipboard && window.isSecureContext) {
				navigator.clipboard.writeText(field.value).then(done, function () { field.select(); document.execCommand('copy'); done(); });
			} else {
				field.select();
				document.execCommand('copy');
				done();
			}
			return;
		}
		var preset = event.target.closest('.lpapi-preset');
		if (preset) {
			var wanted = preset.getAttribute('data-permissions').split(' ');
			document.querySelectorAll('.lpapi-matrix input[type=checkbox]').forEach(function (box) {
				box.checked = wanted.indexOf(box.value) !== -1;
			});
		}
	});
})();
