"""Supervision of the selected projects all year: the reporting schedule, the units' progress
reports (versions kept, late ones marked), completion and status by the public rule of
`voting.supervision.rules`, the mid-year review and year-end report, the year-end evaluation's
ratings per project and the rectification (整改) of projects rated dissatisfied."""
