/* Year-end evaluation: satisfied, basic, dissatisfied or abstain on each project; no limit.
 * See base.js. */
window.BallotKinds.evaluation = window.BallotKinds.markKind({fallback: "abstain", limited: null});
