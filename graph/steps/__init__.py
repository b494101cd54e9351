"""The pieces of a turn: domain rules, merging values, answering questions, the turn itself."""
