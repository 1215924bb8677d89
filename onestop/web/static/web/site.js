/* OneStop portal: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";
  // The navigation is shown in full without JavaScript; with it, USWDS folds it behind the
  // menu button on small screens.
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");
})();
