"""Pages of the web UI, one module per job: home, finding and reading a file, registering
and editing one, merging two. Views stay thin: parse with a form, call access/selectors/
services, render."""
