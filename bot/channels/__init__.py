"""One module per messaging channel, behind the ``ChannelAdapter`` protocol of ``base``."""
