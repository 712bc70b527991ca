"""The messaging gateway: aiohttp server, channel adapters, pipeline workers and console."""
