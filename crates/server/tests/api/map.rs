//! The duty office's map: the base map it is told to draw on
//! (`GET /api/office/map`, from `KUAIBAO_MAP_*`), for officers only, and
//! the tiles' origin allowed as an image source, nothing more.

use kuaibao_core::account::Role;
use kuaibao_core::desk::geo::{MapConfig, TileCrs, TileSource, MAP_PATH};

use super::*;

#[tokio::test]
async fn without_tiles_the_map_has_none_and_only_officers_may_ask() {
    let (app, dirs) = spawn_app().await;
    let res = app.admin.get(app.url(MAP_PATH)).send().await.expect("GET map");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<MapConfig>().await.expect("a map config"),
        MapConfig::default()
    );

    let pool = dirs.pool().await;
    add_user(&pool, "officer-t1", Role::Officer, "d-t1").await;
    pool.close().await;
    let officer = login(&app.base, "officer-t1").await;
    let res = officer.get(app.url(MAP_PATH)).send().await.expect("GET map");
    assert_eq!(res.status(), StatusCode::OK);

    let res = app.client.get(app.url(MAP_PATH)).send().await.expect("GET map");
    assert_eq!(api_error(res).await.0, StatusCode::FORBIDDEN, "a reporter");
    let res = Client::new().get(app.url(MAP_PATH)).send().await.expect("GET map");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let res = app.client.get(app.url("/")).send().await.expect("GET /");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("img-src 'self' blob: data:; "), "{csp}");
    app.stop().await;
}

#[tokio::test]
async fn configured_tiles_are_handed_to_the_page_and_allowed_as_images() {
    let dirs = dirs();
    let tiles = TileSource {
        url: "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}".to_owned(),
        crs: TileCrs::Gcj02,
        attribution: "© 高德地图 <AMap>".to_owned(),
        subdomains: "1234".to_owned(),
    };
    let expected = MapConfig {
        tiles: Some(tiles.clone()),
    };
    let app = start_with(&dirs, |config| config.map = expected.clone()).await;
    let res = app.admin.get(app.url(MAP_PATH)).send().await.expect("GET map");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<MapConfig>().await.expect("a map config"), expected);

    for path in ["/", "/office/", MAP_PATH] {
        let res = app.admin.get(app.url(path)).send().await.expect("GET");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            csp.contains("img-src 'self' blob: data: https://*.is.autonavi.com; media-src 'self' blob:;"),
            "{path}: {csp}"
        );
        assert_eq!(csp.matches("autonavi").count(), 1, "images only: {csp}");
    }
    app.stop().await;
}
