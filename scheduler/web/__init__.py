"""The web console: a small server-rendered site over the same database the service
writes (Starlette, Jinja2 with autoescape, served by uvicorn).

- app: the Starlette application and the state every page shares (``Console``)
- auth, csrf: logins and sessions, the CSRF token every form carries
- corrections: the watchlist change that would have prevented a wrong mention
- render: templates, highlighted snippets, the inline SVG chart
- pages: one module per page; feeds (Atom) and api (JSON) for machines
"""
