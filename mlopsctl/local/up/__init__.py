"""``mlopsctl local up``: the local stack served on loopback, live (:mod:`.live`), its requests gated (:mod:`.gate`)."""
