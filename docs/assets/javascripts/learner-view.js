// The learner's view: a switch on each step page that hides the solution (the
// step's code, the whole diff, the tests, the answers to "Check yourself"), so
// that a learner writing the step reads the idea without the answer. It stays
// on from page to page (localStorage); `?learner=1` or `?learner=0` in a page's
// address sets it, which is the address `tutorial start` prints.
(function () {
  "use strict";
  var KEY = "jwks-tutorial:learner-view";
  // A browser may refuse storage (a private window, a page opened from disk):
  // the switch then still works on the page, it just is not remembered.
  function remembered() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (refused) {
      return null;
    }
  }
  function remember(value) {
    try {
      window.localStorage.setItem(KEY, value);
    } catch (refused) {
      // Not remembered; the address or the switch sets it again.
    }
  }
  var asked = new URLSearchParams(window.location.search).get("learner");
  if (asked === "1" || asked === "0") {
    remember(asked);
  } else {
    asked = remembered();
  }
  var on = asked === "1";
  // Set before the page is drawn, so the solution never flashes into view.
  document.documentElement.classList.toggle("learner-view", on);

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
    box.checked = on;
    box.addEventListener("change", function () {
      remember(box.checked ? "1" : "0");
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

  function setUp() {
    var article = document.querySelector("article.md-content__inner, article");
    if (article && markSolution(article) > 0) {
      addSwitch(article);
    }
  }
  // The page's own scripts come last, so the page is usually parsed by now; an
  // engine that loads this script later finds it parsed too.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
