<?php
// Prints a salts.php for wp-config.php: scripts/wordpress.sh writes it once per state dir, so
// logins survive restarts.
echo "<?php\n";
foreach (["AUTH_KEY","SECURE_AUTH_KEY","LOGGED_IN_KEY","NONCE_KEY","AUTH_SALT","SECURE_AUTH_SALT","LOGGED_IN_SALT","NONCE_SALT"] as $k)
  printf("define(%s, %s);\n", var_export($k, true), var_export(bin2hex(random_bytes(32)), true));
