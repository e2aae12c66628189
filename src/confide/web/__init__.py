"""Server-rendered pages for staff (and, later, clients). Views stay thin: parse, call a service, render."""
