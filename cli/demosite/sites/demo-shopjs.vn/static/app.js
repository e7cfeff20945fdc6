// Shop JS Demo: every product, price and the footer are rendered here from
// /api/*.json, so the static HTML is an empty application shell.
(function () {
  "use strict";
  var app = document.getElementById("app");

  function vnd(amount) {
    return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + "\u20ab";
  }
  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function priceHtml(p) {
    var html = '<div class="product-price">';
    if (p.compare_at_price) {
      var off = Math.round((1 - p.price / p.compare_at_price) * 100);
      html += '<del class="price-old">' + vnd(p.compare_at_price) + "</del> ";
      html += '<span class="price-current">' + vnd(p.price) + "</span> ";
      html += '<span class="price-discount">-' + off + "%</span>";
    } else {
      html += '<span class="price-current">' + vnd(p.price) + "</span>";
    }
    return html + "</div>";
  }
  function header() {
    return '<header class="app-header"><a href="/" class="logo">Shop JS Demo</a>' +
      '<nav><a href="/dang-nhap">Đăng nhập</a> <a href="/gio-hang">Giỏ hàng (0)</a></nav></header>';
  }
  function footer() {
    return '<footer class="app-footer"><p><strong>CÔNG TY TNHH SHOP JS DEMO</strong></p>' +
      "<p>MST: 0109990006 – Địa chỉ: 12 Trần Duy Hưng, Phường Yên Hòa, Hà Nội</p>" +
      "<p>Hotline: 0912 345 678 – Thanh toán: COD, MoMo, VNPay</p>" +
      "<p>Trang demo của dự án ecwatch – cửa hàng hư cấu, không bán hàng thật.</p></footer>";
  }
  function render(main, title) {
    document.title = title + " | Shop JS Demo";
    app.innerHTML = header() + '<main class="app-main">' + main + "</main>" + footer();
    app.setAttribute("data-ready", "1");  // lets a browser wait for "#app[data-ready]"
  }
  function getJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }
  function showHome() {
    getJson("/api/products.json").then(function (data) {
      var cards = data.products.map(function (p) {
        return '<div class="product-card"><h3><a href="' + p.url + '">' + esc(p.name) + "</a></h3>" +
          priceHtml(p) + "</div>";
      }).join("");
      render('<h1>Sản phẩm công nghệ giá tốt</h1><div class="product-list">' + cards + "</div>", "Trang chủ");
    });
  }
  function showProduct(id) {
    getJson("/api/product/" + encodeURIComponent(id) + ".json").then(function (p) {
      render('<div class="product-detail"><h1 class="product-name">' + esc(p.name) + "</h1>" + priceHtml(p) +
        '<p class="product-description">' + esc(p.description) + "</p>" +
        '<button class="add-to-cart">Thêm vào giỏ hàng</button></div>', p.name);
    }).catch(function () {
      render("<h1>Không tìm thấy sản phẩm</h1>", "Không tìm thấy");
    });
  }
  if (app.getAttribute("data-view") === "product") {
    showProduct(app.getAttribute("data-product-id"));
  } else {
    showHome();
  }
})();
