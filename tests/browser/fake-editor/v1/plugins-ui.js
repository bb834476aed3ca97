// The SDK's UI helpers: the panel uses none of them; present because plugins load it from here.
window.Asc = window.Asc || {};
