# Sourced by bench/startup.sh and bench/startup-ab.sh: start_nginx S PORT ROOT starts nginx on
# 127.0.0.1:PORT serving ROOT, its files in S/nginx, with an access log of `$msec $request_uri $status`
# (the moment a request ended, to the millisecond), and stops it when the script exits (then unmounts the
# work filesystem: bench/workfs.sh); sets nginx_pid.
start_nginx() {
  local S=$1 port=$2 root=$3
  rm -rf "$S"
  mkdir -p "$S/nginx/tmp"
  cat > "$S/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $S/nginx/nginx.pid;
error_log $S/nginx/error.log warn;
events { worker_connections 64; }
http {
  log_format t '\$msec \$request_uri \$status';
  access_log $S/nginx/access.log t;
  client_body_temp_path $S/nginx/tmp;
  proxy_temp_path $S/nginx/tmp;
  fastcgi_temp_path $S/nginx/tmp;
  uwsgi_temp_path $S/nginx/tmp;
  scgi_temp_path $S/nginx/tmp;
  server { listen 127.0.0.1:$port; root $root; }
}
CONF
  : > "$S/nginx/access.log"
  nginx -c "$S/nginx/nginx.conf" -p "$S/nginx" &
  nginx_pid=$!
  trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null || true; unmount_workfs' EXIT
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
}
