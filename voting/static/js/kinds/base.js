/*
 * Ballot kinds on the ballot page: each kind's script (selection.js, for_against.js,
 * evaluation.js; voting/ballots/kinds/ on the server) adds an object to window.BallotKinds,
 * and vote.js asks the poll's kind by name. A kind object has:
 *   choices(form)          the ballot's choices as PROTOCOL wants them
 *   chosen(choices)        how many count against cfg.maxChoices (null: no limit)
 *   restore(form, choices) put saved choices back
 *   settle(input)          after a change: remember it (to undo a refused one)
 *   undo(input)            undo the change that went over the limit
 *   shown(choices, id)     rated or chosen: null (not), "" (the title), or a mark
 *   reviewed(choices, id)  on the review list before casting: as shown, unless the kind
 *                          lists every candidate with its mark (abstentions included)
 */
(function () {
  "use strict";

  var kinds = window.BallotKinds = window.BallotKinds || {};

  /** A kind that gives each candidate one of `marks` (radios), `fallback` when left out;
   *  `limited`: the mark counted against the limit (none: no limit); `listAll`: the review
   *  lists every candidate with its mark, `fallback` included. */
  kinds.markKind = function (options) {
    var fallback = options.fallback, limited = options.limited, listAll = !!options.listAll;

    function shown(choices, id) {
      var mark = choices[id] || fallback;
      return mark === fallback ? null : mark;
    }

    function remember(box) {
      box.dataset.mark = box.querySelector('input[type="radio"]:checked').value;
    }

    return {
      choices: function (form) {
        var marks = {};
        form.querySelectorAll('input[type="radio"]:checked').forEach(function (input) {
          marks[input.dataset.candidate] = input.value;
        });
        return marks;
      },
      chosen: function (choices) {
        if (!limited) return null;
        return Object.keys(choices).filter(function (id) { return choices[id] === limited; })
          .length;
      },
      restore: function (form, choices) {
        Object.keys(choices || {}).forEach(function (id) {
          form.querySelectorAll('input[type="radio"]').forEach(function (input) {
            if (input.dataset.candidate === id && input.value === choices[id]) input.checked = true;
          });
        });
        form.querySelectorAll(".candidate").forEach(remember);
      },
      settle: function (input) {
        remember(input.closest(".candidate"));
      },
      undo: function (input) {
        var previous = input.closest(".candidate").dataset.mark || fallback;
        input.closest("fieldset").querySelector('input[value="' + previous + '"]').checked = true;
      },
      shown: shown,
      reviewed: function (choices, id) {
        return listAll ? (choices[id] || fallback) : shown(choices, id);
      }
    };
  };
})();
