/* The selection ballot (差额票决): a checkbox per candidate; choices are the ids ticked.
 * See base.js for what a kind object provides. */
(function () {
  "use strict";

  function boxes(form) {
    return form.querySelectorAll('input[name="choice"]');
  }

  window.BallotKinds.selection = {
    choices: function (form) {
      return Array.prototype.filter.call(boxes(form), function (input) { return input.checked; })
        .map(function (input) { return input.value; });
    },
    chosen: function (choices) { return choices.length; },
    restore: function (form, choices) {
      if (!choices) return;
      boxes(form).forEach(function (input) { input.checked = choices.indexOf(input.value) >= 0; });
    },
    settle: function () {},
    undo: function (input) { input.checked = false; },
    shown: function (choices, id) { return choices.indexOf(id) >= 0 ? "" : null; }
  };
})();
