"""The admin home: its index page, its sections (the side navigation) and what every admin page
shares (the admin-only guard, the layout). The areas themselves live with their domains:
server/catalog/pages, server/departments, server/buildings, server/enterprises,
server/accounts/pages/people.py, server/imports and server/audit."""
