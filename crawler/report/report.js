"use strict";
// The story index's filters, in place: a row stays when it holds every word typed and the
// value of every select ("" for any). Rows carry their text and lists in data- attributes.
(function () {
    const table = document.getElementById("story-table");
    if (!table) {
        return;
    }
    const text = document.getElementById("filter-text");
    const selects = Array.from(document.querySelectorAll("select[data-filter]"));
    const rows = Array.from(table.querySelectorAll("tbody tr.story"));
    const shown = document.getElementById("shown");
    const none = document.getElementById("no-match");

    function matches(row, words) {
        const haystack = row.dataset.text || "";
        if (!words.every((word) => haystack.includes(word))) {
            return false;
        }
        return selects.every((select) => {
            if (!select.value) {
                return true;
            }
            const values = JSON.parse(row.dataset[select.dataset.filter] || "[]");
            return values.includes(select.value);
        });
    }

    function apply() {
        const words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
        let count = 0;
        for (const row of rows) {
            const keep = matches(row, words);
            row.hidden = !keep;
            count += keep ? 1 : 0;
        }
        shown.textContent = count + " of " + rows.length + " stories";
        none.hidden = count > 0 || rows.length === 0;
    }

    text.addEventListener("input", apply);
    selects.forEach((select) => select.addEventListener("change", apply));
    // The form filters; submitting it would reload the page and lose the filter.
    text.form.addEventListener("submit", (event) => event.preventDefault());
    apply();
})();
