"""Development tools: the Bot API stand-in, benchmarks and their data. Never imported by the
runtime packages (bot, nlu, matching, storage, domain); run from the repository's root."""
