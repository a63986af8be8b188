"""Federation glue: the only place that knows both Skiller's domain and ActivityStreams."""
