// Hehu page behaviour. Progressive enhancement only: every page works without it.
(function () {
  "use strict";

  // After a refused submit, move focus to the error summary (or the conflict message) so
  // screen readers announce it and keyboard users start from it (GOV.UK pattern).
  function focusMessage() {
    var target = document.querySelector("[data-hh-focus]");
    if (target) {
      target.focus();
    }
  }

  // A parent's condition shows only the fields its type needs (DOMAIN.md §11). Without a
  // type chosen, only the type and the evidence are shown. Fields with an error stay.
  function toggleConditionFields(select) {
    var row = select.closest("[data-hh-row]");
    if (!row) {
      return;
    }
    var chosen = select.value;
    row.querySelectorAll("[data-hh-types]").forEach(function (input) {
      var wrapper = input.closest(".hh-field") || input;
      var types = input.getAttribute("data-hh-types").split(" ");
      var relevant = chosen !== "" && types.indexOf(chosen) !== -1;
      var hasError = wrapper.classList.contains("hh-has-error");
      wrapper.hidden = !(relevant || hasError);
    });
  }

  function setUpConditions() {
    document.querySelectorAll("[data-hh-condition-type]").forEach(function (select) {
      toggleConditionFields(select);
      select.addEventListener("change", function () {
        toggleConditionFields(select);
      });
    });
  }

  // An error summary link opens the folded row its field is in before jumping to it.
  function setUpSummaryLinks() {
    document.querySelectorAll(".hh-error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) {
          return;
        }
        var details = field.closest("details");
        if (details) {
          details.open = true;
        }
        var wrapper = field.closest(".hh-field");
        if (wrapper) {
          wrapper.hidden = false;
        }
        event.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      });
    });
  }

  // "Add another" for repeatable rows (household members, a parent's conditions…): a new
  // row from the formset's empty form, numbered after the last one.
  function setUpFormsets() {
    document.querySelectorAll("[data-hh-formset]").forEach(function (formset) {
      var prefix = formset.getAttribute("data-hh-formset");
      var total = formset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var template = formset.querySelector("template[data-hh-formset-template]");
      var rows = formset.querySelector("[data-hh-formset-rows]");
      var button = formset.querySelector("[data-hh-formset-add]");
      if (!total || !template || !rows || !button) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        var html = template.innerHTML
          .replace(/__prefix__/g, String(index))
          .replace(/__number__/g, String(index + 1));
        rows.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        var added = rows.lastElementChild;
        added.querySelectorAll("[data-hh-condition-type]").forEach(function (select) {
          toggleConditionFields(select);
          select.addEventListener("change", function () {
            toggleConditionFields(select);
          });
        });
        var first = added.querySelector("input, select, textarea");
        if (first) {
          first.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpFormsets();
    setUpConditions();
    setUpSummaryLinks();
    focusMessage();
  });
})();
