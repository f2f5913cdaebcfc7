"""`newsradar demo`: fictional news sites on 127.0.0.1, their stories, an SMTP catcher,
and the quiet loopback HTTP server the tests serve their own sites with."""
