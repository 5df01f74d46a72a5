// Recording a home visit on a phone. Progressive enhancement only: the form works without it.
(function () {
  "use strict";

  // "Why not seen" is asked only when the child was not seen (or nothing is chosen yet).
  function setUpNotSeen(form) {
    var wrapper = form.querySelector("[data-hh-not-seen]");
    var radios = form.querySelectorAll("input[name='child_seen']");
    if (!wrapper || !radios.length) {
      return;
    }
    function update() {
      var seen = form.querySelector("input[name='child_seen']:checked");
      wrapper.hidden = !!seen && seen.value === "yes";
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  // Too many photos are said at once, before a long upload on a weak connection.
  function setUpPhotos(form) {
    var input = form.querySelector("input[type='file'][data-hh-max-photos]");
    var message = form.querySelector("#hh-photo-count");
    if (!input || !message) {
      return;
    }
    var max = parseInt(input.getAttribute("data-hh-max-photos"), 10);
    input.addEventListener("change", function () {
      var tooMany = input.files && input.files.length > max;
      message.hidden = !tooMany;
    });
  }

  // One submit at a time: a second tap while the first is still uploading does nothing
  // (the server also recognises a repeated submit by its token).
  function setUpSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-hh-submitting") === "1") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-hh-submitting", "1");
    });
    // Back to the page from the browser's cache: the form may be sent again.
    window.addEventListener("pageshow", function () {
      form.removeAttribute("data-hh-submitting");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("hh-visit-form");
    if (!form) {
      return;
    }
    setUpNotSeen(form);
    setUpPhotos(form);
    setUpSubmit(form);
  });
})();
