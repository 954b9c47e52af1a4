"""The Telegram channel (python-telegram-bot 22): the sender that renders `Outgoing` natively and a
local stand-in for the Bot API that tests and benchmarks run the real library against.

No telegram.* type leaves this package; import the submodules directly so that loading the
package does not pull in python-telegram-bot or aiohttp for the other channels."""
