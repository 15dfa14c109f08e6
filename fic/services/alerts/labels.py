"""The words the staff pages use for alert levels, rules, episode states and repair actions."""

LEVEL_TEXT = {
    "watch": "Watch",
    "low_alliance": "Low alliance",
    "rupture": "Possible rupture",
    "escalation": "Escalated rupture",
    "urgent": "Urgent: safety",
}
RULE_TEXT = {
    "R1": "alliance below the cutoff for several sessions",
    "R2": "a reliable drop since the last session",
    "R3": "well below this client's own usual level",
    "R4": "a slow, steady decline over several sessions",
    "R5": "the client reported tension that was not talked through",
    "R6": "repair",
    "R7": "not repaired in time, or the client is not improving",
    "S1": "the client's comment contains words about risk or safety",
}
RULE_SHORT = {
    "R1": "below the cutoff", "R2": "reliable drop", "R3": "below the client's usual level",
    "R4": "slow decline", "R5": "client reported tension", "R6": "repair",
    "R7": "not repaired in time", "S1": "safety words in a comment",
}
EPISODE_TEXT = {
    "open": "open: not repaired yet",
    "repaired": "repaired: the alliance came back",
    "escalated": "escalated to the supervisor: not repaired in time",
    "closed": "closed",
}
ACTION_TEXT = {
    "talked_in_session": "Talked it through in session",
    "adjusted_approach": "Adjusted my approach",
    "changed_goals": "Changed the goals together",
    "consulted_supervisor": "Consulted my supervisor",
    "referred": "Referred the client",
    "other": "Something else (see note)",
}
