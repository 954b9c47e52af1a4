"""The Matrix channel (matrix-nio): direct rooms with the bot, a sync token kept with the inbox,
numbered choices, locations, edits, optional end-to-end encryption.

No nio.* type leaves this package; import the submodules directly so that loading the package
does not pull in matrix-nio for the other channels."""
