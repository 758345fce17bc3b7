/* Year-end evaluation: satisfied, basic, dissatisfied or abstain on each project; no limit.
 * The review before casting lists every project with its mark, abstentions included: the
 * ballot sends a mark for each. See base.js. */
window.BallotKinds.evaluation = window.BallotKinds.markKind({fallback: "abstain", limited: null,
                                                            listAll: true});
