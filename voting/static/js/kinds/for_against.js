/* For, against or abstain on each candidate; at most maxChoices "for". See base.js. */
window.BallotKinds.for_against = window.BallotKinds.markKind({fallback: "abstain", limited: "for"});
