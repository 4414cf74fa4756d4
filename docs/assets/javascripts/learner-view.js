// The learner's view: a switch on each step page that hides the solution (the
// step's code, the whole diff, the tests, the answers to "Check yourself"), so
// that a learner writing the step reads the idea without the answer. It stays
// on from page to page (localStorage); `?learner=1` or `?learner=0` in a page's
// address sets it, which is the address `tutorial start` prints.
(function () {
  "use strict";
  var KEY = "jwks-tutorial:learner-view";
  var asked = new URLSearchParams(window.location.search).get("learner");
  if (asked === "1" || asked === "0") {
    window.localStorage.setItem(KEY, asked);
  }
  function isOn() {
    return window.localStorage.getItem(KEY) === "1";
  }
  // Set before the page is drawn, so the solution never flashes into view.
  document.documentElement.classList.toggle("learner-view", isOn());

  // What the switch hides: code included from steps/ (its title names the file),
  // the folded diff and tests, and the answers under "Check yourself" questions.
  function markSolution(article) {
    var marked = 0;
    article.querySelectorAll(".highlight").forEach(function (block) {
      var title = block.querySelector(".filename");
      if (title && title.textContent.trim().indexOf("steps/") === 0) {
        block.classList.add("solution");
        marked += 1;
      }
    });
    article.querySelectorAll("details.abstract, details.example").forEach(function (d) {
      d.classList.add("solution");
      marked += 1;
    });
    article.querySelectorAll("details.question").forEach(function (question) {
      question.classList.add("solution-answer");
      marked += 1;
    });
    return marked;
  }

  function addSwitch(article) {
    var label = document.createElement("label");
    label.className = "learner-switch";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = isOn();
    box.addEventListener("change", function () {
      window.localStorage.setItem(KEY, box.checked ? "1" : "0");
      document.documentElement.classList.toggle("learner-view", box.checked);
    });
    label.appendChild(box);
    label.appendChild(
      document.createTextNode(" Learner's view: hide this step's solution")
    );
    var title = article.querySelector("h1");
    if (title) {
      title.insertAdjacentElement("afterend", label);
    } else {
      article.insertBefore(label, article.firstChild);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var article = document.querySelector("article.md-content__inner, article");
    if (article && markSolution(article) > 0) {
      addSwitch(article);
    }
  });
})();
