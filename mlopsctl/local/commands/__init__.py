"""``mlopsctl local …``: the sub-commands (:mod:`.cli`), ``replay`` (:mod:`.replay`) and ``invoke`` (:mod:`.invoke`),
with what ``invoke`` needs to read a deployed stack's real-shaped events (:mod:`.deployed_stack`,
:mod:`.deployed_names`, :mod:`.event_strings`).
"""
