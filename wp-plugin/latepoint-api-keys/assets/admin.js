/* LatePoint API Keys admin: copy button, permission presets, "select all" events. Everything also works without it. */
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

	// "Select all" of the webhook events: checks or unchecks them all, and follows them.
	var boxesOf = function (all) {
		return Array.prototype.slice.call(all.closest('form').querySelectorAll(all.getAttribute('data-select-all')));
	};
	var follow = function (all) {
		var boxes = boxesOf(all);
		var checked = boxes.filter(function (box) { return box.checked; }).length;
		all.checked = boxes.length > 0 && checked === boxes.length;
		all.indeterminate = checked > 0 && checked < boxes.length;
	};
	document.addEventListener('change', function (event) {
		var all = event.target.closest('.lpapi-select-all');
		if (all) {
			boxesOf(all).forEach(function (box) { box.checked = all.checked; });
			all.indeterminate = false;
			return;
		}
		var form = event.target.closest('form');
		var owner = form && form.querySelector('.lpapi-select-all');
		if (owner && event.target.matches(owner.getAttribute('data-select-all'))) {
			follow(owner);
		}
	});
	document.querySelectorAll('.lpapi-select-all').forEach(follow);
})();
