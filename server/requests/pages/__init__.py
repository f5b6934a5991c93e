"""The requests domain's pages: the menu and order form, my requests and the request page with
its action panels, the department desk and the dispatch board (one work-list helper)."""
